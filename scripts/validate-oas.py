#!/usr/bin/env python3
"""Validates mizu's inferred OpenAPI documents with openapi-spec-validator (PyPI).

Each argument is a JSON file holding either one OpenAPI document or, as the
`testdata/**/*.oas.json` files and `GET /oas/all` do, an object of documents by service.
Exits 1 naming the file, service and problem of the first invalid document.
"""
import json
import sys

try:
    from openapi_spec_validator import validate
except ImportError:
    sys.exit("validate-oas: openapi-spec-validator is missing; run scripts/install-deps.sh")

count = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    docs = {"": doc} if "openapi" in doc else doc
    for service, d in docs.items():
        try:
            validate(d)
        except Exception as e:  # noqa: BLE001 - report any validation failure
            sys.exit(f"validate-oas: {path} {service}: {e}")
        count += 1
print(f"validate-oas: {count} documents valid")
