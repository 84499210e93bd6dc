"""keepbooks front ends: the Textual app and the command line.

This package's __init__ stays empty of imports so that the command line starts without loading textual.
"""
