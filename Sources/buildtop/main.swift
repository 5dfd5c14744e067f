// Placeholder until the commands land.
print("buildtop")
