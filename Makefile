# The two commands of the README: `make serve` runs the bridge on the embedded
# SQLite store, `make test` runs the whole suite. Both set up the machine first.

.PHONY: setup build serve test release

setup:
	@./scripts/setup

build: setup
	swift build

release: setup
	swift build -c release --product alertbridge

serve: release
	.build/release/alertbridge serve $(ARGS)

test: setup
	swift test
