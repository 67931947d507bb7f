"""The working-day calendar as data: public holidays and make-up working days (节假日与调休)."""
