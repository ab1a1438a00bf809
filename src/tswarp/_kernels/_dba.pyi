# The compiled kernel _dba, its names typed Any for the Python code that calls it.
from typing import Any

def __getattr__(name: str) -> Any: ...
