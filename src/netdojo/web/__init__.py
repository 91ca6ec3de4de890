"""`netdojo web`: the running lab in a browser (topology with live link rates, terminals into
nodes, service panels, worksheet and checks), served by Starlette on uvicorn."""
