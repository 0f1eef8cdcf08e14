#!/bin/sh
# Entry point of the compose `mosquitto` service: on the first start (no plugin JSON in the data volume
# yet) it creates the dynamic security plugin's JSON with Labwire's account (MQTT_USERNAME /
# MQTT_PASSWORD) as its administrator, then runs Mosquitto with docker/mosquitto/mosquitto.conf.
# The api adds the topic rights it needs (role labwire-service) to that account at its first boot.
set -eu
file=/mosquitto/data/dynamic-security.json
if [ ! -f "$file" ]; then
  if [ -z "${MQTT_PASSWORD:-}" ]; then
    echo "mosquitto: MQTT_PASSWORD is not set: put MQTT_PASSWORD=<a long random string> in .env" >&2
    exit 1
  fi
  mosquitto_ctrl dynsec init "$file" "${MQTT_USERNAME:-labwire}" "$MQTT_PASSWORD" >/dev/null
  chown mosquitto:mosquitto "$file"
  chmod 600 "$file"
  echo "mosquitto: created $file with the administrator ${MQTT_USERNAME:-labwire}"
fi
exec /docker-entrypoint.sh mosquitto -c /mosquitto/config/mosquitto.conf
