"""The rectified path (R-CASE-1): an order to rectify within a time limit (限期整改指令书) and the
employer's recorded compliance, which ends the case without a penalty."""
