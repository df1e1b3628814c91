#!/bin/bash
# LocalStack: the uploads bucket and the notification queues, created when LocalStack is ready, in the
# region the app uses and under the names the local gateway gives the template's queues (their logical
# ids), so the relay publishes where the poller reads. Attributes as in template.yaml.
set -euo pipefail
export AWS_DEFAULT_REGION=eu-west-1
awslocal s3api create-bucket --bucket tourbook-uploads \
    --create-bucket-configuration LocationConstraint=eu-west-1 >/dev/null 2>&1 || true
dlq_url=$(awslocal sqs create-queue --queue-name NotificationsDeadLetterQueue --query QueueUrl --output text)
dlq_arn=$(awslocal sqs get-queue-attributes --queue-url "$dlq_url" \
    --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal sqs create-queue --queue-name NotificationsQueue --attributes \
    "{\"VisibilityTimeout\":\"360\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\"}" >/dev/null
