package com.$ORG.$PKG;

import java.util.ArrayList;
import java.util.List;

public class $C {
    public enum Kind { NUMBER, IDENT, SYMBOL }

    public static final class Token {
        public final Kind kind;
        public final String text;

        Token(Kind kind, String text) {
            this.kind = kind;
            this.text = text;
        }

        @Override
        public String toString() {
            return kind + "(" + text + ")";
        }
    }

    public static List<Token> tokenize(String input) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < input.length()) {
            char c = input.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < input.length() && Character.isDigit(input.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Kind.NUMBER, input.substring(start, i)));
            } else if (Character.isLetter(c)) {
                int start = i;
                while (i < input.length() && Character.isLetterOrDigit(input.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Kind.IDENT, input.substring(start, i)));
            } else {
                tokens.add(new Token(Kind.SYMBOL, String.valueOf(c)));
                i++;
            }
        }
        return tokens;
    }

    public static void main(String[] args) {
        String joined = String.join(" ", args);
        List<Token> tokens = tokenize(joined);
        System.out.println(tokens.size() + " tokens: " + tokens);
    }
}
