from zslkit.cli import main

main()
