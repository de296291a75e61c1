"""What a survey wave is: its codebook, reading, validation and recoding."""
