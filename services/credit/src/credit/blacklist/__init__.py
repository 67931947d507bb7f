"""The wage-arrears blacklist (失信联合惩戒对象名单, R-CRD-4) and its joint punishments."""
