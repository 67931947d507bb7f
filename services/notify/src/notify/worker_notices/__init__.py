"""Notices to the worker (补正告知, 立案答复) sent through the channel that filed the complaint."""
