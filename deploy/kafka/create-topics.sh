#!/usr/bin/env bash
# Create every Front Door topic, and its `.dlq` twin, on an Apache Kafka cluster.
#
# Production creates topics explicitly (auto-creation is off on the broker); the services also
# create any missing topic at start-up, so this script and `frontdoor_shared.topics.all_topics()`
# must list the same names: tests/contracts/test_compose.py checks that they do.
#
# Idempotent (--if-not-exists): safe to run on every `docker compose up`.
#   create-topics.sh          create the topics
#   create-topics.sh --list   print the topic names and exit (no broker needed)
#
# Environment:
#   KAFKA_BOOTSTRAP_SERVERS       broker to talk to (default kafka:9092)
#   FRONTDOOR_TOPIC_PARTITIONS    partitions per topic (default 3); the key is the concern id,
#                                 so more partitions means more consumers in parallel (the topics
#                                 in ONE_PARTITION, a few events a day, have one)
#   FRONTDOOR_TOPIC_REPLICATION   replication factor (default 1: the single-node compose broker;
#                                 use 3 on a real cluster)
#   KAFKA_BIN                     where the Kafka CLI tools are (default /opt/kafka/bin)
set -euo pipefail

# A few events a day (frontdoor_shared.topics.ONE_PARTITION): one partition each (one line: a test reads it).
ONE_PARTITION=(intake.access-revoked.v1 intake.access-revoked.v1.dlq intake.referral-progressed.v1 intake.referral-progressed.v1.dlq)

# The one list. Internal topics are <producer>.<event>.v<N>; partner.* and referrals.* are public.
TOPICS=(
  partner.concerns.v1
  intake.concern-submitted.v1
  intake.concern-erased.v1
  intake.concern-updated.v1
  intake.concern-withdrawn.v1
  intake.access-revoked.v1
  intake.referral-progressed.v1
  triage.concern-triaged.v1
  triage.safeguarding-escalated.v1
  early-years.case-listed.v1
  early-years.panel-decision.v2
  early-years.action-assigned.v1
  early-years.action-overdue.v1
  notifications.notification-sent.v2
  notifications.notification-sent.v1
  referrals.slcn.v1
  referrals.outreach.v1
  referrals.sen-support.v1
  referrals.statutory.v1
  referrals.universal-advice.v1
)

all_topics() {
  local t
  for t in "${TOPICS[@]}"; do echo "$t"; done
  for t in "${TOPICS[@]}"; do echo "$t.dlq"; done
}

if [[ "${1:-}" == "--list" ]]; then
  all_topics
  exit 0
fi

BOOTSTRAP="${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}"
PARTITIONS="${FRONTDOOR_TOPIC_PARTITIONS:-3}"
REPLICATION="${FRONTDOOR_TOPIC_REPLICATION:-1}"
BIN="${KAFKA_BIN:-/opt/kafka/bin}"

# compose waits for the broker's healthcheck; this covers running the script by hand.
for attempt in $(seq 1 30); do
  if "$BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP" >/dev/null 2>&1; then
    break
  fi
  if [[ "$attempt" == 30 ]]; then
    echo "create-topics: broker $BOOTSTRAP did not answer" >&2
    exit 1
  fi
  sleep 2
done

while read -r topic; do
  partitions="$PARTITIONS"
  for one in "${ONE_PARTITION[@]}"; do [[ "$topic" == "$one" ]] && partitions=1; done
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor "$REPLICATION"
done < <(all_topics)

echo "create-topics: $(all_topics | wc -l) topics present on $BOOTSTRAP (${PARTITIONS} partitions each)"
