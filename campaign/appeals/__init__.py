"""Appeals: signature-collection mailings to supporters, and notices to partners."""
