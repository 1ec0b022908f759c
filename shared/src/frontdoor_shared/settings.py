"""Settings shared by every service. Each service subclasses with its own env prefix.

The shared connection settings read the conventional unprefixed names (`DATABASE_URL`,
`KAFKA_BOOTSTRAP_SERVERS`) so one environment serves every process of a deployment.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Connection, delivery and logging settings every service has."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    database_url: SecretStr = Field(
        default=SecretStr("postgresql://postgres@127.0.0.1:55432/frontdoor"),
        validation_alias="DATABASE_URL",
        description="PostgreSQL URL; each service uses its own schema in it",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias="KAFKA_BOOTSTRAP_SERVERS"
    )
    environment: Literal["development", "production"] = Field(
        default="development", validation_alias="FRONTDOOR_ENV"
    )
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", validation_alias="FRONTDOOR_LOG_FORMAT"
    )
    log_level: str = Field(default="INFO", validation_alias="FRONTDOOR_LOG_LEVEL")
    # the council running this deployment: named in every page's footer, its privacy notice and its
    # accessibility statement (and, unless notifications is told otherwise, in families' messages)
    council_name: str = Field(default="Front Door Model Council", validation_alias="FRONTDOOR_COUNCIL_NAME")
    council_contact: str = Field(default="the SEND team on 0300 000 0000 or send@frontdoor.example",
                                 validation_alias="FRONTDOOR_COUNCIL_CONTACT")
    council_dpo: str = Field(default="the data protection officer at dpo@frontdoor.example",
                             validation_alias="FRONTDOOR_COUNCIL_DPO")
    topic_partitions: int = Field(default=3, ge=1, validation_alias="FRONTDOOR_TOPIC_PARTITIONS")
    outbox_batch_size: int = Field(default=500, ge=1, validation_alias="FRONTDOOR_OUTBOX_BATCH")
    # a commit in this process wakes the relay at once; the poll only finds rows written elsewhere
    # (`frontdoor replay`, another replica), so it need not be frequent
    outbox_poll_seconds: float = Field(default=0.5, gt=0, validation_alias="FRONTDOOR_OUTBOX_POLL")
    # a replica reads the sessions ended from its service's table this often: the revocation event
    # reaches one replica of a consumer group, its table every replica (frontdoor_shared.revocation)
    revocations_refresh_seconds: float = Field(default=5.0, gt=0, le=300,
                                               validation_alias="FRONTDOOR_REVOCATIONS_REFRESH_SECONDS")
    outbox_linger_ms: float = Field(
        default=0, ge=0, le=1000, validation_alias="FRONTDOOR_OUTBOX_LINGER_MS",
        description="After a commit wakes the relay, wait this long so commits close together go in one round")
    consumer_linger_ms: float = Field(
        default=0, ge=0, le=1000, validation_alias="FRONTDOOR_CONSUMER_LINGER_MS",
        description="After a batch smaller than its maximum arrives, wait this long for more to join it")
    fetch_max_wait_ms: int = Field(
        default=150, ge=1, le=5000, validation_alias="FRONTDOOR_FETCH_MAX_WAIT_MS",
        description="How long a consumer's fetch may wait for events. On Tansu (the embedded broker) "
                    "a waiting fetch is answered late, so this trades each hop's latency for fewer "
                    "fetches, which Tansu charges per partition (150: ~15 ms a hop, the idle stack "
                    "at half the CPU of 50); Kafka answers as soon as an event comes, so a longer "
                    "wait costs nothing there and idles cheaper")
    offset_commit_interval_ms: float = Field(
        default=1000, ge=0, le=60000, validation_alias="FRONTDOOR_OFFSET_COMMIT_INTERVAL_MS",
        description="A consumer commits its offsets at most this often (0: after every batch); the "
                    "inbox makes the events read again after a crash harmless")
    outbox_retention_days: int = Field(
        default=7, ge=1, validation_alias="FRONTDOOR_OUTBOX_RETENTION_DAYS",
        description="Published outbox rows are kept this long so a lost topic can be re-driven",
    )
    graceful_timeout_seconds: float = Field(
        default=15.0, gt=0, validation_alias="FRONTDOOR_GRACEFUL_TIMEOUT",
        description="How long in-flight messages get to finish on SIGTERM",
    )
    retry_max_backoff_seconds: float = Field(default=30.0, gt=0, validation_alias="FRONTDOOR_RETRY_MAX")
    host: str = Field(default="127.0.0.1", validation_alias="FRONTDOOR_HOST")
    metrics_token: SecretStr | None = Field(
        default=None, validation_alias="FRONTDOOR_METRICS_TOKEN",
        description="GET /metrics answers only a scrape that sends it as a bearer token (Prometheus: "
                    "`authorization: {credentials_file: ...}`); needed in production. Unset (development "
                    "only), /metrics is open to whoever reaches the port")
    fault_relay_crash_after_send: bool = Field(
        default=False, validation_alias="FRONTDOOR_FAULT_RELAY_CRASH_AFTER_SEND",
        description="Fault injection (tests only): the relay exits after the broker acks, before marking")

    @model_validator(mode="after")
    def _production_needs_explicit_connections(self) -> ServiceSettings:
        if self.environment == "production" and "127.0.0.1:55432" in self.database_url.get_secret_value():
            raise ValueError("DATABASE_URL must be set in production")
        if self.environment == "production" and self.fault_relay_crash_after_send:
            raise ValueError("fault injection is for tests only")
        if self.environment == "production" and not (self.metrics_token and self.metrics_token.get_secret_value()):
            raise ValueError("FRONTDOOR_METRICS_TOKEN must be set in production: /metrics answers only a scrape "
                             "that sends it")
        if self.metrics_token is not None and 0 < len(self.metrics_token.get_secret_value()) < 32:
            raise ValueError("FRONTDOOR_METRICS_TOKEN must be at least 32 characters (openssl rand -hex 32)")
        return self
