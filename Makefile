# tramite — run `make run` for the headless quick start, `make test` for
# every test (installs what is missing on a Debian machine when run as root).
SHELL := /bin/bash
DIR ?= demo
export LANG := es_ES.UTF-8

.PHONY: deps run test bench app vet lint

deps:
	./.ci/install-deps

run: deps
	go run ./examples/quickstart -dir $(DIR)

app: deps
	go run ./app

vet:
	go vet ./...

lint:
	go tool staticcheck ./...

test: deps
	go vet ./...
	go tool staticcheck ./...
	./.ci/with-postgres xvfb-run -a -s "-screen 0 1280x1024x24" go test -race -count=1 -timeout 40m ./...
	# The client's heap on 20,000 cases against 100: skipped under -race,
	# where SQLite takes minutes to fill the cases.
	go test -count=1 -run '^TestWalkHeap$$' ./app/internal/ui/
	go test -run '^$$' -fuzz '^FuzzFire$$' -fuzztime 10s -fuzzminimizetime 0 ./procedure/

bench:
	go test -run '^$$' -bench . -benchmem ./...

# serve runs the agency server as a trial in the working directory: SQLite in
# tramite-server.db, plain HTTP on 127.0.0.1:8443, the demo people (password
# demo-<username>) saved when the database is new. See cmd/tramite-server.
.PHONY: serve
serve:
	go run ./cmd/tramite-server -demo
