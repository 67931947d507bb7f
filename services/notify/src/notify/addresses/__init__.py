"""Delivery-address confirmations (送达地址确认书): the party's consent to electronic service."""
