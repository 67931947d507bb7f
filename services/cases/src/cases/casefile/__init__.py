"""The case file (案卷) aggregate, its repositories and the clerk that files its documents."""
