# memshard — common tasks. `make test` is what CI runs.
GO ?= go

.PHONY: test test-short bench fuzz lint verify

test:
	$(GO) test -race -shuffle=on -count=1 -timeout 15m ./...

test-short:
	$(GO) test -short -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

# Run every fuzz target for FUZZTIME each (go test fuzzes one target at a time).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint:
	@test -z "$$(gofmt -l .)" || (echo "gofmt would change:"; gofmt -l .; exit 1)
	$(GO) vet ./...

verify: lint
	cp go.mod /tmp/memshard.go.mod.bak; cp go.sum /tmp/memshard.go.sum.bak
	$(GO) mod tidy
	@git diff --quiet -- go.mod go.sum || (echo "go mod tidy changed go.mod/go.sum"; git diff -- go.mod go.sum; exit 1)
