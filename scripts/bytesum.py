"""Beazley's bytes-sum generator pipeline, for comparison.

    python3 scripts/bytesum.py PATH
"""
import sys


def main():
    with open(sys.argv[1]) as wwwlog:
        bytecolumn = (line.rsplit(None, 1)[1] for line in wwwlog)
        sizes = (int(x) for x in bytecolumn if x != "-")
        print(sum(sizes))


if __name__ == "__main__":
    main()
