#!/bin/sh
# Makes the fixtures of TestUpgrade (server/upgrade_test.go): what the
# release at commit 4682ff5 (before the schema had versions) leaves behind.
#
#   sqlite/    a data folder of `mlforge serve` on SQLite, after a classic
#              (iris LogisticRegression) and a network (iris MLP, 3 epochs)
#              run: mlforge.db, runs/<id>/, artifacts/runs/<id>/
#   postgres/  the same two runs on PostgreSQL: dump.sql (pg_dump --inserts
#              of the schema, renamed mlf_upgrade_fixture so the test can
#              put it in a schema of its own) and the server's data folder
#   runs.json  the two runs' ids and predictions on both backends
#
# Run from the repository root with PostgreSQL at $PG (default
# postgres://postgres@127.0.0.1:5432/test): sh server/testdata/upgrade/gen.sh
set -eu
REV=4682ff5
PG=${PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
OUT=server/testdata/upgrade
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
pid=
git archive "$REV" | tar -x -C "$work" -f -
(cd "$work" && CGO_ENABLED=0 go build -o "$work/mlforge-$REV" ./cmd/mlforge)
bin="$work/mlforge-$REV"
schema=mlf_upgrade_gen_$$
psql "$PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"

net='{"name": "iris-net", "seed": 1, "data": {"train": "builtin:iris"},
  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 8}, {"type": "ReLU"},
                       {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
  "optimizer": {"type": "SGD", "lr": 0.05}, "batch_size": 16, "epochs": 3}'
lr='{"name": "iris-lr", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"C": 1}}}'
row='{"rows": [{"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 4.2, "petal_width": 1.5}], "proba": true}'

# train BACKEND DATADIR [--db URL]: starts the old server, trains both
# runs, records ids and predictions in $work/BACKEND.json, stops it.
train() {
	backend=$1 data=$2
	shift 2
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	base=http://127.0.0.1:$port
	"$bin" serve --addr 127.0.0.1:$port --data "$data" "$@" >"$work/$backend.log" 2>&1 &
	pid=$!
	until curl -sf "$base/api/health" >/dev/null; do sleep 0.2; done
	ids=
	for spec in "$lr" "$net"; do
		id=$(curl -sf -X POST -H 'Content-Type: application/json' -d "$spec" "$base/api/runs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
		until curl -sf "$base/api/runs/$id" | grep -q '"status":"succeeded"'; do sleep 0.2; done
		ids="$ids $id"
	done
	python3 - "$base" $ids >"$work/$backend.json" <<'PY'
import json, sys, urllib.request
base, ids = sys.argv[1], sys.argv[2:]
row = b'{"rows": [{"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 4.2, "petal_width": 1.5}], "proba": true}'
out = {}
for name, id in zip(["classic", "network"], ids):
    req = urllib.request.Request(base + "/api/runs/" + id + "/predict", data=row, headers={"Content-Type": "application/json"})
    out[name] = {"id": id, "predict": json.load(urllib.request.urlopen(req))}
print(json.dumps(out))
PY
	kill -TERM $pid
	wait $pid || true
	pid=
}

train sqlite "$work/sqlite"
train postgres "$work/postgres" --db "$PG&search_path=$schema"
pg_dump "$PG" -n "$schema" --inserts --no-owner --no-privileges | grep -v '^\\' | sed "s/$schema/mlf_upgrade_fixture/g" >"$work/dump.sql"
psql "$PG" -qc "DROP SCHEMA $schema CASCADE"

rm -rf "$OUT/sqlite" "$OUT/postgres"
for b in sqlite postgres; do
	mkdir -p "$OUT/$b"
	# The run folders and the object store; the database (SQLite's after
	# its clean stop wrote the WAL back), not the token nor logs.
	(cd "$work/$b" && find runs artifacts -type f ! -name '.*' | sort | while read f; do mkdir -p "$OLDPWD/$OUT/$b/$(dirname "$f")"; cp "$f" "$OLDPWD/$OUT/$b/$f"; done)
done
cp "$work/sqlite/mlforge.db" "$OUT/sqlite/mlforge.db"
cp "$work/dump.sql" "$OUT/postgres/dump.sql"
python3 -c 'import json,sys; print(json.dumps({"release": sys.argv[1], "sqlite": json.load(open(sys.argv[2])), "postgres": json.load(open(sys.argv[3]))}, indent=1))' \
	"$REV" "$work/sqlite.json" "$work/postgres.json" >"$OUT/runs.json"
ls -la "$work/sqlite" "$work/sqlite/runs"/*
