#!/usr/bin/env bash
# Give one partner system its own status topic, partner.<client id>.status.v1, and read access to
# it alone, on an Apache Kafka cluster with ACLs on.
#
# Intake tells each partner what became of the concerns it sent on that topic
# (uk.frontdoor.intake.partner.concern.status.v1, one partition: in order). Intake's relay creates
# the topic itself before its first event there if it may (Create on the prefix partner.), so this
# script is for clusters where only operators create topics, and for the ACLs, which only an
# operator can grant. Run it after `frontdoor accounts add-partner --client-id <client id>`.
#
#   partner-topic.sh CLIENT_ID             create the topic and grant the ACLs
#   partner-topic.sh CLIENT_ID --dry-run   print the commands instead (no broker needed)
#
# Environment:
#   KAFKA_BOOTSTRAP_SERVERS       broker to talk to (default kafka:9092)
#   FRONTDOOR_TOPIC_REPLICATION   replication factor (default 1; use 3 on a real cluster)
#   PARTNER_PRINCIPAL             the partner's Kafka principal (default User:<client id>; for mutual
#                                 TLS, for example, User:CN=<the name on its certificate>)
#   KAFKA_BIN                     where the Kafka CLI tools are (default /opt/kafka/bin)
#   KAFKA_COMMAND_CONFIG          an admin client properties file, if the cluster needs one
set -euo pipefail

CLIENT_ID="${1:-}"
if [[ ! "$CLIENT_ID" =~ ^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$ ]]; then
  echo "partner-topic: give the partner's client id (3-64 lower-case letters, digits and hyphens)" >&2
  exit 2
fi
TOPIC="partner.${CLIENT_ID}.status.v1"
BOOTSTRAP="${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}"
REPLICATION="${FRONTDOOR_TOPIC_REPLICATION:-1}"
PRINCIPAL="${PARTNER_PRINCIPAL:-User:${CLIENT_ID}}"
BIN="${KAFKA_BIN:-/opt/kafka/bin}"
CONFIG=()
if [[ -n "${KAFKA_COMMAND_CONFIG:-}" ]]; then CONFIG=(--command-config "$KAFKA_COMMAND_CONFIG"); fi


commands() {
  echo "$BIN/kafka-topics.sh --bootstrap-server $BOOTSTRAP ${CONFIG[*]} --create --if-not-exists --topic $TOPIC --partitions 1 --replication-factor $REPLICATION"
  # its topic, and consumer groups named after it, and nothing else
  echo "$BIN/kafka-acls.sh --bootstrap-server $BOOTSTRAP ${CONFIG[*]} --add --allow-principal $PRINCIPAL --operation Read --operation Describe --topic $TOPIC"
  echo "$BIN/kafka-acls.sh --bootstrap-server $BOOTSTRAP ${CONFIG[*]} --add --allow-principal $PRINCIPAL --operation Read --group partner.${CLIENT_ID}. --resource-pattern-type prefixed"
}

if [[ "${2:-}" == "--dry-run" ]]; then
  commands
  exit 0
fi
while read -r line; do
  # shellcheck disable=SC2086 - each line is one command, split on spaces as printed
  $line
done < <(commands)
echo "partner-topic: $TOPIC ready; $PRINCIPAL may read it (consumer groups partner.${CLIENT_ID}.*)"
