"""Standard-library core shared by the assistant and the services runtimes.

Nothing here imports third-party packages or any other package of ours.
"""
