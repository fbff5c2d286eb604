"""dynagen: a code generator for typed Amazon DynamoDB data-access packages."""

__version__ = "0.1.0"
