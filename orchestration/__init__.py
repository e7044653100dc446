"""recontact: the thin Python layer around the dbt warehouse.

Business rules live in SQL (dbt_project/); Python generates sample exports,
runs dbt and reports. Nothing here opens a connection at import time.
"""
