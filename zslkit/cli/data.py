"""`zslkit data ...`: list, inspect and download datasets (no torch imports)."""

import click

from zslkit.cli.data_info import info_cmd, list_cmd
from zslkit.cli.data_download import download_cmd


@click.group()
def data():
    """List, inspect and download datasets."""


data.add_command(list_cmd, "list")
data.add_command(info_cmd, "info")
data.add_command(download_cmd, "download")
