#!/usr/bin/env bash
# Make sure the local PostgreSQL and RabbitMQ answer; start them if not (no Docker on these
# machines). Idempotent and quick when both already run. Used by `make test` and `.ci/run`.
#
#   PG_HOST/PG_PORT (127.0.0.1:5432), AMQP_HOST/AMQP_PORT (127.0.0.1:5672), INFRA_TIMEOUT (120 s)
set -euo pipefail

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
AMQP_HOST=${AMQP_HOST:-127.0.0.1}
AMQP_PORT=${AMQP_PORT:-5672}
TIMEOUT=${INFRA_TIMEOUT:-120}

log() { echo "[infra] $*" >&2; }

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pg_answers() {
    if command -v pg_isready >/dev/null; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2
    else
        tcp_open "$PG_HOST" "$PG_PORT"
    fi
}

amqp_answers() {
    # The AMQP listener opens once the broker has booted; a protocol header gets a reply.
    tcp_open "$AMQP_HOST" "$AMQP_PORT" || return 1
    python3 - "$AMQP_HOST" "$AMQP_PORT" <<'PY' 2>/dev/null
import socket, sys
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10) as s:
    s.sendall(b"AMQP\x00\x00\x09\x01")
    sys.exit(0 if s.recv(1) == b"\x01" else 1)  # connection.start frame
PY
}

wait_for() {  # name, check function
    local deadline=$((SECONDS + TIMEOUT))
    until "$2"; do
        if ((SECONDS > deadline)); then
            log "$1 did not answer within ${TIMEOUT}s"
            return 1
        fi
        sleep 1
    done
    log "$1 is ready"
}

if pg_answers; then
    log "PostgreSQL answers on $PG_HOST:$PG_PORT"
else
    command -v pg_ctlcluster >/dev/null || { log "PostgreSQL is not answering and pg_ctlcluster is missing"; exit 1; }
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for PostgreSQL pg_answers
fi

if amqp_answers; then
    log "RabbitMQ answers on $AMQP_HOST:$AMQP_PORT"
elif tcp_open "$AMQP_HOST" "$AMQP_PORT"; then
    log "RabbitMQ is listening but slow to answer; waiting (not starting a second node)"
    wait_for RabbitMQ amqp_answers
else
    command -v rabbitmq-server >/dev/null || { log "RabbitMQ is not answering and rabbitmq-server is missing"; exit 1; }
    log "starting RabbitMQ"
    rabbitmq-server -detached || true
    wait_for RabbitMQ amqp_answers
fi
