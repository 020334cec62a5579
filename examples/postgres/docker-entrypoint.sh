#!/bin/sh
# Entrypoint with the layout of the official postgres image's: started as
# root, it makes the data directory postgres's, drops to postgres (uid 999)
# with gosu, creates the cluster on first start (POSTGRES_PASSWORD for the
# superuser, password logins over TCP), then execs the server.
set -eu
case "${1:-}" in -*) set -- postgres "$@" ;; esac

if [ "${1:-}" = postgres ]; then
	if [ "$(id -u)" = 0 ]; then
		mkdir -p "$PGDATA" /var/run/postgresql
		chown -R postgres:postgres "$PGDATA" /var/run/postgresql
		chmod 700 "$PGDATA"
		exec gosu postgres "$0" "$@"
	fi
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		if [ -z "${POSTGRES_PASSWORD:-}" ]; then
			echo "error: the database is not initialized and POSTGRES_PASSWORD is not set;" \
			     "run with -e POSTGRES_PASSWORD=..." >&2
			exit 1
		fi
		pwfile=$(mktemp)
		printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
		initdb --username="${POSTGRES_USER:-postgres}" --pwfile="$pwfile" \
			--auth-local=trust --auth-host=scram-sha-256 >/dev/null
		rm -f "$pwfile"
		echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
		echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
		echo "docker-entrypoint.sh: database initialized in $PGDATA" >&2
	fi
fi
exec "$@"
