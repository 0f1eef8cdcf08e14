#!/usr/bin/env bash
# Starts the locally installed PostgreSQL, Redis and Mosquitto when they are not answering
# (commands from CONTRACT.md). Used by .ci/run, the test setup and `npm start`. Idempotent.
set -uo pipefail

up() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

wait_for() { # name host port
  for _ in $(seq 1 60); do up "$2" "$3" && return 0; sleep 0.5; done
  echo "services: $1 did not come up on $2:$3" >&2
  return 1
}

status=0
if ! up 127.0.0.1 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    wait_for PostgreSQL 127.0.0.1 5432 || status=1
  else
    echo "services: PostgreSQL is not running on 127.0.0.1:5432 and is not installed here (docker compose up -d postgres)" >&2
    status=1
  fi
fi
if ! up 127.0.0.1 6379; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    wait_for Redis 127.0.0.1 6379 || status=1
  else
    echo "services: Redis is not running on 127.0.0.1:6379 and is not installed here (docker compose up -d redis)" >&2
    status=1
  fi
fi
if ! up 127.0.0.1 1883; then
  if command -v mosquitto >/dev/null 2>&1 && [ -f /etc/mosquitto/mosquitto.conf ]; then
    echo "services: starting Mosquitto"
    mkdir -p /run/mosquitto 2>/dev/null || true
    mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
    wait_for Mosquitto 127.0.0.1 1883 || status=1
  fi
fi
exit $status
