"""Beazley's generator pipeline, for comparison: count the lines containing a literal.

    python3 scripts/gencount.py PATTERN PATH
"""
import sys


def lines(path):
    with open(path, "rb") as f:
        yield from f


def grep(pattern, lines):
    return (line for line in lines if pattern in line)


def main():
    pattern, path = sys.argv[1].encode(), sys.argv[2]
    print(sum(1 for _ in grep(pattern, lines(path))))


if __name__ == "__main__":
    main()
