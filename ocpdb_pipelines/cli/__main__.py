from ocpdb_pipelines.cli.main import main

main()
