from cassettes_tool.cli import main

main()
