"""Webhooks: signed pushes to partners (Standard Webhooks 1.0), retried on a schedule."""
