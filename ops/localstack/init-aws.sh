#!/bin/bash
# LocalStack: the uploads bucket and the notification queues, created when LocalStack is ready.
set -euo pipefail
awslocal s3api create-bucket --bucket tourbook-uploads \
    --create-bucket-configuration LocationConstraint=eu-west-1 >/dev/null 2>&1 || true
awslocal sqs create-queue --queue-name tourbook-notifications-dlq >/dev/null
dlq_arn=$(awslocal sqs get-queue-attributes --queue-url http://localhost:4566/000000000000/tourbook-notifications-dlq \
    --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal sqs create-queue --queue-name tourbook-notifications --attributes \
    "{\"VisibilityTimeout\":\"60\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\"}" >/dev/null
