"""The composite operations, as plain async functions over the two clients and the store."""
