"""The parser: every grammar construct, precedence, keyword case, and located errors."""

from __future__ import annotations

import pytest
from dynagen.model.expressions import (
    ExpressionError,
    ast,
    parse_condition,
    parse_projection,
    parse_update,
)
from dynagen.model.expressions.ast import (
    COMPARATORS,
    AddAction,
    And,
    Arithmetic,
    AttributeExists,
    AttributeNotExists,
    AttributeType,
    BeginsWith,
    Between,
    Comparator,
    Comparison,
    Condition,
    Contains,
    DeleteAction,
    IfNotExists,
    In,
    ListAppend,
    Not,
    Or,
    Param,
    Path,
    SetAction,
    Size,
    Update,
)


def p(text: str) -> Path:
    """A path from dotted text with [n] indexes (test shorthand; offsets ignored)."""
    segments: list[str | int] = []
    for part in text.replace("[", ".[").split("."):
        segments.append(int(part[1:-1]) if part.startswith("[") else part)
    return Path(tuple(segments), 0)


def v(name: str) -> Param:
    return Param(name, 0)


def eq(path: str, param: str) -> Comparison:
    return Comparison("=", p(path), v(param), 0)


# --- conditions -----------------------------------------------------------------------


@pytest.mark.parametrize("op", COMPARATORS)
def test_comparators(op: Comparator) -> None:
    assert parse_condition(f"a {op} :b") == Comparison(op, p("a"), v("b"), 0)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a=:b", eq("a", "b")),
        (":b = a", Comparison("=", v("b"), p("a"), 0)),
        ("a = b", Comparison("=", p("a"), p("b"), 0)),
        ("a BETWEEN :lo AND :hi", Between(p("a"), v("lo"), v("hi"), 0)),
        ("a IN (:x)", In(p("a"), (v("x"),), 0)),
        ("a IN (:x, b, :z)", In(p("a"), (v("x"), p("b"), v("z")), 0)),
        ("attribute_exists(a.b)", AttributeExists(p("a.b"), 0)),
        ("attribute_not_exists(a)", AttributeNotExists(p("a"), 0)),
        ("attribute_type(a, :t)", AttributeType(p("a"), v("t"), 0)),
        ("begins_with(a, :p)", BeginsWith(p("a"), v("p"), 0)),
        ("begins_with(a, b)", BeginsWith(p("a"), p("b"), 0)),
        ("contains(tags, :t)", Contains(p("tags"), v("t"), 0)),
        ("contains(a, b.c)", Contains(p("a"), p("b.c"), 0)),
        ("size(a) > :n", Comparison(">", Size(p("a"), 0), v("n"), 0)),
        (":n <= size(a[2])", Comparison("<=", v("n"), Size(p("a[2]"), 0), 0)),
        (
            "size(a) BETWEEN :x AND size(b)",
            Between(Size(p("a"), 0), v("x"), Size(p("b"), 0), 0),
        ),
        ("address.city = :c", eq("address.city", "c")),
        ("lines[0].sku = :s", eq("lines[0].sku", "s")),
        ("a[1][22] = :s", eq("a[1][22]", "s")),
        ("a . b [ 3 ] = :s", eq("a.b[3]", "s")),
        ("a[007] = :s", eq("a[7]", "s")),
        ("NOT a = :a", Not(eq("a", "a"), 0)),
        ("NOT NOT a = :a", Not(Not(eq("a", "a"), 0), 0)),
        ("((a = :a))", eq("a", "a")),
        # names that are reserved words in DynamoDB are plain names here
        ("name = :name", eq("name", "name")),
        ("status = :status", eq("status", "status")),
        ("size = :size", eq("size", "size")),
        ("count = :count", eq("count", "count")),
        ("set = :from", eq("set", "from")),
        ("_type = :t", eq("_type", "t")),
        ("café = :thé", eq("café", "thé")),
    ],
)
def test_condition_constructs(text: str, tree: Condition) -> None:
    assert parse_condition(text) == tree


def test_precedence_not_and_or() -> None:
    assert parse_condition("a = :a OR b = :b AND NOT c = :c") == Or(
        eq("a", "a"), And(eq("b", "b"), Not(eq("c", "c"), 0), 0), 0
    )


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        (
            "a = :a AND b = :b AND c = :c",
            And(And(eq("a", "a"), eq("b", "b"), 0), eq("c", "c"), 0),
        ),
        (
            "a = :a OR b = :b OR c = :c",
            Or(Or(eq("a", "a"), eq("b", "b"), 0), eq("c", "c"), 0),
        ),
        ("NOT a = :a AND b = :b", And(Not(eq("a", "a"), 0), eq("b", "b"), 0)),
        ("NOT (a = :a AND b = :b)", Not(And(eq("a", "a"), eq("b", "b"), 0), 0)),
        (
            "(a = :a OR b = :b) AND c = :c",
            And(Or(eq("a", "a"), eq("b", "b"), 0), eq("c", "c"), 0),
        ),
        (
            "a = :a AND (b = :b AND c = :c)",
            And(eq("a", "a"), And(eq("b", "b"), eq("c", "c"), 0), 0),
        ),
        (
            "a BETWEEN :x AND :y AND b = :b",
            And(Between(p("a"), v("x"), v("y"), 0), eq("b", "b"), 0),
        ),
        (
            "a IN (:x) OR attribute_exists(b) AND NOT begins_with(c, :c)",
            Or(
                In(p("a"), (v("x"),), 0),
                And(
                    AttributeExists(p("b"), 0), Not(BeginsWith(p("c"), v("c"), 0), 0), 0
                ),
                0,
            ),
        ),
    ],
)
def test_grouping(text: str, tree: Condition) -> None:
    assert parse_condition(text) == tree


def test_keywords_and_functions_are_case_insensitive() -> None:
    lower = "a between :x and :y or not attribute_exists(b) and c in (:c)"
    upper = "a BETWEEN :x AND :y OR NOT ATTRIBUTE_EXISTS(b) AND c IN (:c)"
    mixed = "a BeTwEeN :x aNd :y Or nOt Attribute_Exists(b) AnD c In (:c)"
    assert parse_condition(lower) == parse_condition(upper) == parse_condition(mixed)
    assert parse_condition("SIZE(a) > :n") == parse_condition("size(a) > :n")
    assert parse_update("set a = :a remove b add c :c delete d :d") == parse_update(
        "SET a = :a REMOVE b ADD c :c DELETE d :d"
    )
    assert parse_update("SET a = IF_NOT_EXISTS(a, :d)") == parse_update(
        "SET a = if_not_exists(a, :d)"
    )


def test_offsets() -> None:
    tree = parse_condition("  lines[0].sku = :v AND NOT size(x) > :n")
    assert isinstance(tree, And)
    left, right = tree.left, tree.right
    assert isinstance(left, Comparison) and isinstance(right, Not)
    assert isinstance(left.left, Path) and isinstance(left.right, Param)
    assert (left.offset, left.left.offset, left.right.offset) == (2, 2, 17)
    assert left.left.segment_offsets == (2, 7, 11)
    assert right.offset == 24
    inner = right.condition
    assert isinstance(inner, Comparison) and isinstance(inner.left, Size)
    assert (inner.offset, inner.left.offset, inner.left.path.offset) == (28, 28, 33)
    assert tree.offset == 2


# --- updates --------------------------------------------------------------------------


def test_update_constructs() -> None:
    text = (
        "SET a = :a, b = b + :n, c = :x - c, d = list_append(d, :l), "
        "e = if_not_exists(e, :e), f = list_append(:l, if_not_exists(f, g)), "
        "h[0].i = if_not_exists(j, :j) + :n "
        "REMOVE k, l.m, n[3] ADD o :o, p :p DELETE q :q"
    )
    assert parse_update(text) == Update(
        set=(
            SetAction(p("a"), v("a"), 0),
            SetAction(p("b"), Arithmetic("+", p("b"), v("n"), 0), 0),
            SetAction(p("c"), Arithmetic("-", v("x"), p("c"), 0), 0),
            SetAction(p("d"), ListAppend(p("d"), v("l"), 0), 0),
            SetAction(p("e"), IfNotExists(p("e"), v("e"), 0), 0),
            SetAction(p("f"), ListAppend(v("l"), IfNotExists(p("f"), p("g"), 0), 0), 0),
            SetAction(
                p("h[0].i"),
                Arithmetic("+", IfNotExists(p("j"), v("j"), 0), v("n"), 0),
                0,
            ),
        ),
        remove=(p("k"), p("l.m"), p("n[3]")),
        add=(AddAction(p("o"), v("o"), 0), AddAction(p("p"), v("p"), 0)),
        delete=(DeleteAction(p("q"), v("q"), 0),),
    )


def test_update_clauses_in_any_order() -> None:
    a = parse_update("DELETE q :q ADD o :o REMOVE k SET a = :a")
    b = parse_update("SET a = :a REMOVE k ADD o :o DELETE q :q")
    assert a == b
    assert [x.offset for x in a.actions()] == [7, 16, 28, 34]


def test_clause_words_are_names_where_no_clause_starts() -> None:
    assert parse_update("SET set = :v, add = remove REMOVE delete") == Update(
        set=(SetAction(p("set"), v("v"), 0), SetAction(p("add"), p("remove"), 0)),
        remove=(p("delete"),),
    )
    assert parse_update("ADD set :s REMOVE remove") == Update(
        remove=(p("remove"),), add=(AddAction(p("set"), v("s"), 0),)
    )


def test_projection() -> None:
    assert parse_projection("a, b.c,d[0] , name") == [
        p("a"),
        p("b.c"),
        p("d[0]"),
        p("name"),
    ]
    assert [x.offset for x in parse_projection("a, b.c,d[0]")] == [0, 3, 7]


# --- errors ---------------------------------------------------------------------------

LITERAL = (
    "a literal value cannot stand here",
    "use an attribute path, or a literal only where a value is compared or set",
)
OPERAND = "expected an attribute path, a :parameter or size()"
END = "the end of the expression"
COMPARISON = "expected a comparison (=, <>, <, <=, >, >=), BETWEEN or IN"
KEYWORD_HINT = "'{}' is a keyword, so no attribute can be named so here"


@pytest.mark.parametrize(
    ("text", "offset", "message", "hint"),
    [
        # lexer
        (
            'a = "x"',
            4,
            "a string literal is written in single quotes",
            "as in 'closed'",
        ),
        ("a = 'x", 4, "unclosed string literal", "close it with '"),
        ("size(3) > :n", 5, *LITERAL),
        (
            "a = :",
            5,
            "expected a parameter name after ':'",
            "a parameter is ':' followed by a name, as in :status",
        ),
        (
            "a = :1",
            5,
            "expected a parameter name after ':'",
            "a parameter is ':' followed by a name, as in :status",
        ),
        ("a != :b", 2, "unexpected '!='", "write <> for 'not equal'"),
        (
            "#a = :b",
            0,
            "unexpected character '#'",
            "write the attribute's own name: dynagen adds the #placeholders itself",
        ),
        ("a = :b && c = :d", 7, "unexpected character '&'", "write AND"),
        ("a = :b || c = :d", 7, "unexpected character '|'", "write OR"),
        ("a = :b $", 7, "unexpected character '$'", None),
        # conditions
        ("", 0, f"expected a condition, found {END}", None),
        ("   ", 3, f"expected a condition, found {END}", None),
        (
            "a",
            1,
            f"{COMPARISON}, found {END}",
            "to test whether it is there, write attribute_exists(a)",
        ),
        (
            "a.b AND c = :c",
            4,
            f"{COMPARISON}, found 'AND'",
            "to test whether it is there, write attribute_exists(a.b)",
        ),
        ("size(a)", 7, f"{COMPARISON}, found {END}", None),
        ("a =", 3, f"{OPERAND}, found {END}", None),
        ("a == :b", 3, f"{OPERAND}, found '='", "'=' is written once"),
        (
            "a = :b c = :d",
            7,
            "expected AND, OR or the end of the expression, found 'c'",
            None,
        ),
        (
            "a = :b)",
            6,
            "expected AND, OR or the end of the expression, found ')'",
            None,
        ),
        ("(a = :b", 7, f"expected AND, OR or ')', found {END}", None),
        ("a = :b AND", 10, f"expected a condition, found {END}", None),
        ("NOT", 3, f"expected a condition, found {END}", None),
        (
            "and = :x",
            0,
            "expected a condition, found 'and'",
            KEYWORD_HINT.format("and"),
        ),
        ("a = in", 4, f"{OPERAND}, found 'in'", KEYWORD_HINT.format("in")),
        (
            "a BETWEEN :x OR :y",
            13,
            "expected AND between the bounds of BETWEEN, found 'OR'",
            None,
        ),
        ("a IN :x", 5, "expected '(' after IN, found ':x'", None),
        ("a IN (:x :y)", 9, "expected ',' or ')' in the IN list, found ':y'", None),
        ("a IN ()", 6, f"{OPERAND}, found ')'", None),
        ("a.", 2, f"expected an attribute name after '.', found {END}", None),
        ("a.[0] = :v", 2, "expected an attribute name after '.', found '['", None),
        (
            "a[x] = :v",
            2,
            "expected a list index, found 'x'",
            "a list index is a whole number from 0, as in lines[0]",
        ),
        (
            "a[:i] = :v",
            2,
            "expected a list index, found ':i'",
            "a list index is a whole number from 0, as in lines[0]",
        ),
        (
            "a[-1] = :v",
            2,
            "expected a list index, found '-'",
            "a list index is a whole number from 0, as in lines[0]",
        ),
        ("a[0 = :v", 4, "expected ']' after '[0', found '='", None),
        ("[0] = :v", 0, "expected a condition, found '['", None),
        ("foo(a) = :v", 0, "unknown function 'foo'", None),
        (
            "begin_with(a, :p)",
            0,
            "unknown function 'begin_with'",
            "did you mean 'begins_with'?",
        ),
        (
            "a = begins_with(b, :c)",
            4,
            "begins_with() is a condition, not a value",
            "compare size() instead",
        ),
        (
            "if_not_exists(a, :b) = :c",
            0,
            "if_not_exists() can only be used in an update's SET action",
            None,
        ),
        (
            "attribute_exists(:a)",
            17,
            "expected an attribute path as the first argument of attribute_exists(), found ':a'",
            None,
        ),
        (
            "attribute_exists(a, b)",
            18,
            "expected ')' to close attribute_exists(, found ','",
            None,
        ),
        (
            "attribute_type(a, b)",
            18,
            "expected a :parameter holding a DynamoDB type name (S, N, ...), found 'b'",
            None,
        ),
        (
            "begins_with(a)",
            13,
            "expected ',' and a second argument to begins_with(), found ')'",
            None,
        ),
        (
            "contains(a, size(b))",
            12,
            "expected an attribute path or a :parameter, found 'size'",
            None,
        ),
        ("size(:a) > :n", 5, "expected an attribute path, found ':a'", None),
        ("size(a, b) > :n", 6, "expected ')' to close size(, found ','", None),
    ],
)
def test_condition_errors(
    text: str, offset: int, message: str, hint: str | None
) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_condition(text)
    error = caught.value
    assert (error.message, error.offset, error.hint) == (message, offset, hint)


@pytest.mark.parametrize(
    ("text", "offset", "message", "hint"),
    [
        ("", 0, f"expected SET, REMOVE, ADD or DELETE, found {END}", None),
        (
            "UPDATE a = :b",
            0,
            "expected SET, REMOVE, ADD or DELETE, found 'UPDATE'",
            None,
        ),
        (
            "SET a = :b SET c = :d",
            11,
            "SET appears twice",
            "write every SET action in one clause, separated by commas",
        ),
        (
            "remove a set b = :b REMOVE c",
            20,
            "REMOVE appears twice",
            "write every REMOVE action in one clause, separated by commas",
        ),
        ("SET", 3, f"expected an attribute path, found {END}", None),
        ("SET a = :b, ", 12, f"expected an attribute path, found {END}", None),
        ("SET a :b", 6, "expected '=' after 'a', found ':b'", None),
        (
            "SET a = :b c = :d",
            11,
            "expected ',', SET, REMOVE, ADD, DELETE or the end of the expression, found 'c'",
            None,
        ),
        (
            "SET a = a + :b + :c",
            15,
            "only one '+' or '-' is allowed in a SET action",
            "compute the value in Python and pass it as a :parameter",
        ),
        (
            "SET a = a +",
            11,
            "expected an attribute path, a :parameter, if_not_exists() or list_append(), found the end of the expression",
            None,
        ),
        ("SET a = size(b)", 8, "size() cannot be used in an update", None),
        ("SET a = contains(b, :c)", 8, "contains() cannot be used in an update", None),
        (
            "SET a = lst_append(a, :b)",
            8,
            "unknown function 'lst_append'",
            "did you mean 'list_append'?",
        ),
        (
            "SET a = if_not_exists(:a, :b)",
            22,
            "expected an attribute path as the first argument of if_not_exists(), found ':a'",
            None,
        ),
        (
            "SET a = if_not_exists(a)",
            23,
            "expected ',' and a default value in if_not_exists(), found ')'",
            None,
        ),
        (
            "SET a = if_not_exists(a, if_not_exists(b, :c))",
            25,
            "expected an attribute path or a :parameter, found 'if_not_exists'",
            None,
        ),
        (
            "SET a = list_append(a :b)",
            22,
            "expected ',' and a second list in list_append(), found ':b'",
            None,
        ),
        (
            "SET a = list_append(a, :b",
            25,
            f"expected ')' to close list_append(, found {END}",
            None,
        ),
        ("ADD a b", 6, "expected a :parameter after 'a', found 'b'", None),
        ("DELETE a", 8, f"expected a :parameter after 'a', found {END}", None),
        ("REMOVE :a", 7, "expected an attribute path, found ':a'", None),
        (
            "REMOVE a = :b",
            9,
            "expected ',', SET, REMOVE, ADD, DELETE or the end of the expression, found '='",
            None,
        ),
    ],
)
def test_update_errors(text: str, offset: int, message: str, hint: str | None) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_update(text)
    error = caught.value
    assert (error.message, error.offset, error.hint) == (message, offset, hint)


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("", 0, f"expected an attribute path, found {END}"),
        ("a b", 2, "expected ',' or the end of the expression, found 'b'"),
        ("a,", 2, f"expected an attribute path, found {END}"),
        ("a, :b", 3, "expected an attribute path, found ':b'"),
        ("a, size(b)", 7, "expected ',' or the end of the expression, found '('"),
    ],
)
def test_projection_errors(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_projection(text)
    assert (caught.value.message, caught.value.offset) == (message, offset)


# --- DynamoDB's limits ----------------------------------------------------------------


def test_in_takes_at_most_100_values() -> None:
    values = ", ".join(f":v{i}" for i in range(100))
    tree = parse_condition(f"a IN ({values})")
    assert isinstance(tree, In) and len(tree.choices) == 100
    text = f"a IN ({values}, :v100)"
    with pytest.raises(ExpressionError) as caught:
        parse_condition(text)
    assert caught.value.message == "IN takes at most 100 values"
    assert caught.value.offset == text.index(":v100")


def test_at_most_300_operators() -> None:
    ok = " AND ".join(["a = :a"] * 150)  # 150 comparisons, 149 ANDs
    parse_condition(ok)
    text = ok + " AND a = :a"  # the 301st operator is the last '='
    with pytest.raises(ExpressionError) as caught:
        parse_condition(text)
    assert (
        caught.value.message
        == "more than 300 operators and functions in one expression"
    )
    assert caught.value.offset == text.rindex("=")


def test_nesting_is_limited() -> None:
    parse_condition("(" * 50 + "a = :a" + ")" * 50)
    text = "(" * 51 + "a = :a" + ")" * 51
    with pytest.raises(ExpressionError) as caught:
        parse_condition(text)
    assert caught.value.message == "expression nested more than 50 levels deep"
    assert caught.value.offset == 50
    with pytest.raises(ExpressionError) as caught:
        parse_condition("NOT " * 51 + "a = :a")
    assert caught.value.offset == 200


def test_errors_report_the_first_problem_in_reading_order() -> None:
    # The parser fails at '=' before the lexer reaches the literal further on.
    with pytest.raises(ExpressionError) as caught:
        parse_condition("a = = 'x'")
    assert caught.value.offset == 4


@pytest.mark.parametrize(
    ("text", "literals"),
    [
        ("a = 'x'", ["'x'"]),
        ("a = 5 AND b <> -1.5", ["5", "-1.5"]),
        ("a = true OR b = false", ["true", "false"]),
        ("contains(a, 3)", ["3"]),
        ("a BETWEEN 1 AND :b", ["1"]),
    ],
)
def test_condition_literals_are_parameters_holding_their_text(
    text: str, literals: list[str]
) -> None:
    found = [p for p in ast.params(parse_condition(text)) if p.literal is not None]
    assert [p.literal for p in found] == literals
    assert all(p.name == f"literal@{p.offset}" for p in found)


def test_update_literals_and_map_keys() -> None:
    tree = parse_update(
        "SET c.{kind} = if_not_exists(c.{kind}, 0) + 1, s = 'closed', t = a - 1 ADD n 1"
    )
    assert tree.set[0].path.segments == ("c", "{kind}")
    values = [p.literal for p in ast.params(tree)]
    assert values == ["0", "1", "'closed'", "1", "1"]
    arithmetic = tree.set[2].value
    assert isinstance(arithmetic, ast.Arithmetic) and arithmetic.op == "-"
    assert tree.add[0].value.literal == "1"
    true_path = parse_update("SET a = true.b")  # an attribute called `true`
    assert isinstance(true_path.set[0].value, ast.Path)
