"""`zslkit data download NAME`: fetch the xlsa17 features into the data root (no torch)."""

from __future__ import annotations

import click


@click.command("download")
@click.argument("name", metavar="NAME")
@click.option("--data-root", metavar="DIR", help="Data folder (default: $ZSLKIT_DATA, else the platform cache folder).")
@click.option("--url", metavar="URL", help="Download from this address instead of the published one (a mirror, or file://).")
@click.option("--sha256", metavar="HEX", help="Expected sha256 of the archive; the archive is unpacked only if it matches.")
@click.option("--keep-archive/--remove-archive", default=True, show_default=True,
              help="Keep the archive in DIR/.downloads so other datasets of it need no new download.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def download_cmd(name, data_root, url, sha256, keep_archive, quiet):
    """Download dataset NAME and unpack it into the data root.

    NAME is one of awa1, awa2, cub, sun, apy, flo, or xlsa17 (all five datasets
    of xlsa17.zip). The archive comes from the authors' site
    (datasets.d2.mpi-inf.mpg.de/xian/; FLO from cvpr18xian.zip). An interrupted
    download resumes when the command is run again. No checksum is published:
    without --sha256 the first download's sha256 is printed and recorded, and
    later runs are checked against it.
    """
    from zslkit.datasets.download import download
    from zslkit.datasets.paths import resolve_data_root

    root = resolve_data_root(data_root)
    result = download(name, root, url=url, sha256=sha256, progress=not quiet, keep_archive=keep_archive)
    verb = "downloaded" if result.downloaded else "reused kept archive"
    click.echo(f"{verb} {result.archive.name}: sha256 {result.sha256}")
    if result.recorded:
        click.echo(f"no published sha256 to check against: recorded this one in {result.archive}.sha256; "
                   f"pin it with --sha256 {result.sha256}")
    for folder in result.folders:
        click.echo(f"unpacked {folder}")
    if keep_archive:
        click.echo(f"archive kept at {result.archive} (use --remove-archive to delete it after unpacking)")
