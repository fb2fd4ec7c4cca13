# Flagged lines for tests/reach.rs: `# flag: reached` must be reported as run, `# flag: not reached` must not
# (a lambda's line counts as run on 3.12+, where `sys.monitoring` sees the assignment that defines it).

from __future__ import annotations


def ident(value):
    return value


def deco(arg):
    return lambda function: function


@deco(  # flag: reached
    ident(1))
def decorated(x: list[int]) -> dict[str, int]:
    return {"n": len(x)}


def chain(text):
    return ident(text).strip(  # flag: reached
    ).upper()


def header(text):
    with open(text) as f:  # flag: reached
        return f.readline().strip()


lazy = lambda text: ident(text)  # flag: not reached


def never():
    return ident("never")  # flag: not reached


def loop(items):
    total = 0
    for item in items:
        total += len(ident(item))  # flag: reached
    return total


def comprehension(items):
    return [ident(item) for item in items if ident(item)]  # flag: reached


class Holder:
    attr = ident(3)  # flag: reached


def no_call(text):
    data = (
        text  # flag: reached
    )
    return data


def formatted(text):
    return f"<{ident(text)}>"  # flag: reached


def zero_argument_super():
    class Base:
        def __init__(self):
            self.value = 1

    class Derived(Base):
        def __init__(self):
            super().__init__()  # flag: reached

    return Derived().value


def branches(x):
    if x == 1:
        return "one"
    elif len(str(x)) == 2:  # flag: reached
        return "two digits"
    return "other"


def starred(items):
    return max(*ident(items), 0)  # flag: reached


def generator(items):
    yield from ident(items)  # flag: reached


def main(path):
    print(decorated([1, 2]), decorated.__annotations__)
    print(chain(" a "), header(path), loop(["ab", "c"]), comprehension(["x", ""]), Holder.attr)
    print(no_call("t"), formatted("f"), zero_argument_super(), branches(5), branches(12), starred([4, 2]))
    print(list(generator([1, 2])))
