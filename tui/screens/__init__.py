"""The screens and modals of the keepbooks app."""
