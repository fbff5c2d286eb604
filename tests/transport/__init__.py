"""The run-time transport sends and reads DynamoDB's wire form correctly: requests and
responses through botocore without its shape walking (signing, retries, errors, client
scoping, the JSON encoder with or without orjson producing the same bytes), against both
servers through the shared ``backend`` fixture.
"""
