"""``POST /api/3/ecom/graphql``: the Ecommerce GraphQL API (ac-graphql.md), parsed and
validated by graphql-core against ``schema.graphql``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    execute,
    get_operation_ast,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.language import FloatValueNode, IntValueNode, Lexer, Source, TokenKind, ValueNode

from ecom_sandbox.activecampaign import cofe
from ecom_sandbox.activecampaign.state import AcAccount, Record

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
MAX_TOKENS = 15_000
TOKEN_MESSAGE = (
    f"Invalid Syntax : More than {MAX_TOKENS} grammar tokens have been presented. "
    "To prevent Denial Of Service attacks, parsing has been cancelled."
)
"""graphql-java's parser guard, as AC answers it (ac-graphql.md sections 0 and 7)."""


# ----- scalars -------------------------------------------------------------------------
def _decimal_value(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GraphQLError(f"BigDecimal expects a JSON number, got {json.dumps(value)}")
    return Decimal(str(value))


def _decimal_literal(node: ValueNode, _variables: Any = None) -> Decimal:
    if isinstance(node, IntValueNode | FloatValueNode):
        return Decimal(node.value)
    raise GraphQLError("BigDecimal expects a number literal")


def _decimal_out(value: Any) -> int | float:
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def _any(value: Any) -> Any:
    return value


def _json_literal(node: ValueNode, variables: Any = None) -> Any:
    return value_from_ast_untyped(node, variables)


@cache
def schema() -> GraphQLSchema:
    built = build_schema(SCHEMA_PATH.read_text())
    big = built.type_map["BigDecimal"]
    assert isinstance(big, GraphQLScalarType)
    big.parse_value = _decimal_value  # type: ignore[method-assign]
    big.parse_literal = _decimal_literal  # type: ignore[method-assign,assignment]
    big.serialize = _decimal_out  # type: ignore[method-assign]
    raw = built.type_map["JSON"]
    assert isinstance(raw, GraphQLScalarType)
    raw.parse_value = _any  # type: ignore[method-assign]
    raw.parse_literal = _json_literal  # type: ignore[method-assign,assignment]
    raw.serialize = _any  # type: ignore[method-assign]
    return built


def count_tokens(document: str, limit: int = MAX_TOKENS) -> int:
    """Grammar tokens of ``document`` (punctuators, names, values; not whitespace,
    commas or comments), counting stops just past ``limit``. Variables never count."""
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
        if count > limit:
            break
    return count


# ----- resolvers -------------------------------------------------------------------------
def _validation_error(problems: dict[str, str]) -> GraphQLError:
    return GraphQLError("Validation errors", extensions=problems)


class Root:
    """Root value: graphql-core calls ``getattr(root, field)(info, **args)``."""

    def __init__(self, acct: AcAccount) -> None:
        self.acct = acct

    def _upsert(self, orders: list[dict[str, Any] | None]) -> list[Record]:
        items = [o for o in orders if o is not None]
        problems: dict[str, str] = {}
        for order in items:
            problems.update(cofe.order_problems(self.acct, order))
        if problems:
            raise _validation_error(problems)  # the whole request is refused
        written = [cofe.upsert_order(self.acct, order) for order in items]
        return written

    def upsertOrder(self, _info: Any, order: dict[str, Any] | None = None) -> Record | None:
        if order is None:
            return None
        return self._upsert([order])[0]

    def bulkUpsertOrders(self, _info: Any, orders: list[Any] | None = None) -> list[Record]:
        return self._upsert(orders or [])

    def bulkUpsertOrdersAsync(self, _info: Any, orders: list[Any] | None = None) -> Record:
        written = self._upsert(orders or [])
        keys = [cofe.order_key(r["legacyConnectionId"], r["storeOrderId"]) for r in written]
        record_id = cofe.record_batch(self.acct, "orders", keys)
        return {"recordId": record_id}

    def bulkUpsertProducts(self, _info: Any, products: list[Any] | None = None) -> list[Record]:
        items = [p for p in products or [] if p is not None]
        problems: dict[str, str] = {}
        for product in items:
            problems.update(cofe.product_problems(self.acct, product))
        if problems:
            raise _validation_error(problems)
        written = cofe.upsert_products(self.acct, items)
        return written

    def getOrder(self, _info: Any, legacyConnectionId: int | None = None,  # noqa: N803
                 storeOrderId: str | None = None) -> Record | None:  # noqa: N803
        return self.acct.data["gql_orders"].get(cofe.order_key(legacyConnectionId,
                                                               storeOrderId))

    @staticmethod
    def _paged(records: list[Record], flt: dict[str, Any]) -> list[Record]:
        pagination = flt.get("pagination") or {}
        limit = pagination.get("limit")
        limit = 20 if limit is None else limit
        if limit <= 0 or limit > 100:
            raise GraphQLError("pagination.limit must be > 0 and <= 100")
        offset = max(0, pagination.get("offset") or 0)
        return records[offset:offset + limit]

    def searchOrder(self, _info: Any, filter: dict[str, Any] | None = None) -> list[Record]:  # noqa: A002
        flt = filter or {}
        wanted = {k: v for k, v in flt.items() if k != "pagination" and v is not None}
        found = [r for r in self.acct.data["gql_orders"].values()
                 if all((str(r.get(k)).lower() == str(v).lower()) if k == "email"
                        else r.get(k) == v for k, v in wanted.items())]
        found.sort(key=lambda r: int(r["id"]))
        return self._paged(found, flt)

    def productById(self, _info: Any, id: str | None = None) -> Record | None:  # noqa: A002
        return next((p for p in self.acct.data["gql_products"].values()
                     if p["id"] == str(id)), None)

    def searchProduct(self, _info: Any, filter: dict[str, Any] | None = None) -> list[Record]:  # noqa: A002
        flt = filter or {}
        wanted = {k: v for k, v in flt.items() if k != "pagination" and v is not None}
        found = [p for p in self.acct.data["gql_products"].values()
                 if all(p.get(k) == v for k, v in wanted.items())]
        found.sort(key=lambda p: int(p["id"]))
        return self._paged(found, flt)


# ----- request handling --------------------------------------------------------------------
@dataclass
class GqlResult:
    status: int
    body: dict[str, Any]
    kind: str
    is_write: bool


def _error(message: str, **extensions: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"message": message}
    if extensions:
        entry["extensions"] = extensions
    return entry


def read_request(content_type: str, raw: bytes) -> tuple[str, dict[str, Any] | None, str | None]:
    """``(document, variables, operationName)`` from a JSON or ``application/graphql``
    body; ``ValueError`` on a malformed body."""
    if content_type.split(";")[0].strip().lower() == "application/graphql":
        return raw.decode("utf-8"), None, None
    payload = json.loads(raw or b"null")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise ValueError("body must be a JSON object with a 'query' string")
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise ValueError("'variables' must be a JSON object")
    return payload["query"], variables, payload.get("operationName")


def handle(acct: AcAccount, content_type: str, raw: bytes) -> GqlResult:
    """Serve one GraphQL request (auth and rate limit are already checked)."""
    try:
        document, variables, operation_name = read_request(content_type, raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return GqlResult(400, {"errors": [_error(f"Bad request: {exc}")]}, "GRAPHQL invalid",
                         True)
    try:
        tokens = count_tokens(document)
    except GraphQLError:
        tokens = 0  # the parser reports the syntax error below
    if tokens > MAX_TOKENS:
        return GqlResult(200, {"errors": [_error(TOKEN_MESSAGE, classification="InvalidSyntax")]},
                         "GRAPHQL too many tokens", True)
    try:
        ast = parse(document)
    except GraphQLError as exc:
        return GqlResult(200, {"errors": [_with_class(exc, "InvalidSyntax")]},
                         "GRAPHQL invalid", True)
    operation = get_operation_ast(ast, operation_name)
    kind, is_write = _kind(operation)
    errors = validate(schema(), ast)
    if errors:
        return GqlResult(200, {"errors": [_with_class(e, "ValidationError") for e in errors]},
                         kind, is_write)
    with acct.lock:
        result = execute(schema(), ast, root_value=Root(acct), variable_values=variables,
                         operation_name=operation_name)
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    body["data"] = result.data
    return GqlResult(200, body, kind, is_write)


def _with_class(error: GraphQLError, classification: str) -> dict[str, Any]:
    formatted = dict(error.formatted)
    formatted["extensions"] = {**(formatted.get("extensions") or {}),
                               "classification": classification}
    return formatted


def _kind(operation: OperationDefinitionNode | None) -> tuple[str, bool]:
    if operation is None:
        return "GRAPHQL invalid", True
    fields = sorted({sel.name.value for sel in operation.selection_set.selections
                     if isinstance(sel, FieldNode)})
    is_query = operation.operation == OperationType.QUERY
    label = ",".join(fields) or "?"
    return f"GRAPHQL {'query' if is_query else 'mutation'} {label}", not is_query
