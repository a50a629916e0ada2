# Developer recipes; `make ci` runs what CI runs.
.PHONY: ci test fmt lint review example

ci:
	bash .ci/run

test:
	scripts/test.sh

fmt:
	cargo fmt

lint:
	cargo clippy --all-targets -- -D warnings

# Review changed snapshots (needs `cargo install cargo-insta`).
review:
	cargo insta test --review

example:
	cargo run --release -- check examples/broken
