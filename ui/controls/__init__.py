"""What a person sets: widgets (a method's made from its description), their keys, and the
share link that carries them in the address bar."""
