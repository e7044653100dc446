"""Vendor-shaped exports of a generated canonical export (Lever, Greenhouse, ...).

Each module converts ``<out_dir>/canonical/<batch_id>/<entity>.<ext>`` into the files a
vendor's connector would land for the same synthetic people, so one scenario can be
checked through every source (docs/source-<vendor>.md).
"""
