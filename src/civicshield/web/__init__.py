"""The Django layer: thin views and services over the framework-free core."""
