"""`python -m labor_contracts [DIR]`: regenerate the committed schemas."""

import sys
from pathlib import Path

from labor_contracts.schemas import write_schemas

if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "schemas"
    for path in write_schemas(target):
        print(path)
