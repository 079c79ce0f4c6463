#!/usr/bin/env python3
"""A rotation function for a password secret, written the way AWS users write
one for Secrets Manager: a Lambda handler that follows the four steps of AWS's
rotation template with boto3, and runs unchanged on AWS Lambda, behind the
Lambda runtime interface emulator, or as a program:

    secretstore serve --rotator ARN=exec:python3 tests/rotation/rotator.py

As a program it reads the rotation event ({"Step", "SecretId",
"ClientRequestToken", ...}) as JSON on stdin and exits 0 when the step
succeeded; boto3 finds the server through SECRETS_MANAGER_ENDPOINT (as AWS's
templates do) or AWS_ENDPOINT_URL_SECRETS_MANAGER, and the region and
credentials in AWS_REGION and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, all of
which serve sets.

The secret's value is a password, or a JSON object whose "password" key is the
password (its other keys are kept). There is no other system here to update:
setSecret has nothing to do, and testSecret checks the new value is there and
long enough.
"""

import json
import logging
import os
import sys

import boto3

logger = logging.getLogger("rotator")
logger.setLevel(logging.INFO)

PASSWORD_KEY = "password"
MIN_PASSWORD_LENGTH = 16


def lambda_handler(event, context):
    """Runs one step of the rotation the event names."""
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    client = boto3.client("secretsmanager", endpoint_url=os.environ.get("SECRETS_MANAGER_ENDPOINT"))

    # The checks of AWS's template: rotation is on, and the token's version
    # is the one being rotated to (AWSPENDING) unless it is already current.
    metadata = client.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError("Secret %s is not enabled for rotation" % arn)
    stages = metadata.get("VersionIdsToStages", {})
    if token not in stages:
        raise ValueError("Secret version %s has no stage for rotation of secret %s." % (token, arn))
    if "AWSCURRENT" in stages[token]:
        logger.info("Secret version %s already set as AWSCURRENT for secret %s.", token, arn)
        return
    if "AWSPENDING" not in stages[token]:
        raise ValueError("Secret version %s not set as AWSPENDING for rotation of secret %s." % (token, arn))

    if step == "createSecret":
        create_secret(client, arn, token, event.get("RotationToken"))
    elif step == "setSecret":
        set_secret(client, arn, token)
    elif step == "testSecret":
        test_secret(client, arn, token)
    elif step == "finishSecret":
        finish_secret(client, arn, token, stages)
    else:
        raise ValueError("Invalid step parameter %s for secret %s" % (step, arn))


def create_secret(client, arn, token, rotation_token):
    """Puts a new password in the token's version, labelled AWSPENDING,
    unless an earlier attempt did."""
    current = client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        logger.info("createSecret: the new version of %s is there already.", arn)
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    password = client.get_random_password(
        PasswordLength=32, ExcludeCharacters=os.environ.get("EXCLUDE_CHARACTERS", "/@\"'\\")
    )["RandomPassword"]
    value = password
    try:
        obj = json.loads(current.get("SecretString", ""))
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        obj[PASSWORD_KEY] = password
        value = json.dumps(obj)
    put = dict(SecretId=arn, ClientRequestToken=token, SecretString=value, VersionStages=["AWSPENDING"])
    if rotation_token:
        put["RotationToken"] = rotation_token
    client.put_secret_value(**put)
    logger.info("createSecret: put a new version of %s.", arn)


def set_secret(client, arn, token):
    """Would give the new password to the database or service that checks
    it; there is none here."""


def test_secret(client, arn, token):
    """Checks that the new version holds a usable password."""
    pending = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    value = pending.get("SecretString", "")
    try:
        obj = json.loads(value)
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        value = obj.get(PASSWORD_KEY, "")
    if not isinstance(value, str) or len(value) < MIN_PASSWORD_LENGTH:
        raise ValueError("testSecret: the new version of %s holds no usable password" % arn)


def finish_secret(client, arn, token, stages):
    """Moves AWSCURRENT to the new version (the old one becomes AWSPREVIOUS)
    and takes AWSPENDING off it."""
    move = dict(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token)
    current = next((v for v, s in stages.items() if "AWSCURRENT" in s), None)
    if current:
        move["RemoveFromVersionId"] = current
    client.update_secret_version_stage(**move)
    client.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=token)
    logger.info("finishSecret: version %s of %s is AWSCURRENT.", token, arn)


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(message)s")
    lambda_handler(json.load(sys.stdin), None)
