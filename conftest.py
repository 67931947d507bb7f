pytest_plugins = ["labor_runtime.testing"]
