# The two commands a newcomer needs (see README): `make demo` and `make test`.
.PHONY: demo test lint format bench-bnetza

demo:
	./scripts/run demo

test:
	./scripts/run test

lint:
	uv run --frozen ruff check . && uv run --frozen ruff format --check . && uv run --frozen lint-imports

format:
	uv run --frozen ruff check --fix . && uv run --frozen ruff format .
