#!/usr/bin/env python
import sys

from flagdesk.cli import main

if __name__ == "__main__":
    sys.exit(main(["manage.py", *sys.argv[1:]]))
