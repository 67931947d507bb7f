"""Wage guarantee deposits (农民工工资保障金, R-CRD-6) of construction projects."""
