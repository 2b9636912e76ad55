package org.jlora.examples.dataset;

import static org.jlora.examples.dataset.FakeTokenizer.BOS;
import static org.jlora.examples.dataset.FakeTokenizer.EOS;
import static org.jlora.examples.dataset.FakeTokenizer.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExampleEncoderTest {
  /** A ChatML-like template: "<role>content|\n" a turn; the generation prompt is "<assistant>". */
  static final ChatRenderer CHATML = (messages, addGenerationPrompt) -> {
    StringBuilder s = new StringBuilder();
    for (ChatMessage m : messages) s.append('<').append(m.role()).append('>').append(m.content()).append("|\n");
    if (addGenerationPrompt) s.append("<assistant>");
    return s.toString();
  };

  private static final ExampleEncoder ENCODER = new ExampleEncoder(new FakeTokenizer(), CHATML);

  private static int[] ids(String text) {
    return new FakeTokenizer().encode(text, false);
  }

  /** The scored tokens of an example, as text (special tokens as <s> and </s>). */
  private static String scoredText(TokenizedExample example) {
    List<Integer> scored = new ArrayList<>();
    for (int i = 0; i < example.length(); i++) if (example.scored()[i]) scored.add(example.ids()[i]);
    return new FakeTokenizer().decode(scored.stream().mapToInt(Integer::intValue).toArray(), false);
  }

  @Test
  void textIsBosTextEosAllScored() throws DataFileException {
    TokenizedExample e = ENCODER.encode(new DataRecord.Text("f", 1, "ab"));
    assertArrayEquals(new int[] {BOS, id('a'), id('b'), EOS}, e.ids());
    assertArrayEquals(new boolean[] {true, true, true, true}, e.scored());
  }

  @Test
  void withoutBosOrEosTheTextIsJustItsTokens() throws DataFileException {
    ExampleEncoder plain = new ExampleEncoder(new FakeTokenizer(false, false), null);
    TokenizedExample e = plain.encode(new DataRecord.Text("f", 1, "ab"));
    assertArrayEquals(new int[] {id('a'), id('b')}, e.ids());
    assertEquals(2, e.scoredCount());
  }

  @Test
  void promptCompletionScoresOnlyTheCompletionAndTheEos() throws DataFileException {
    TokenizedExample e = ENCODER.encode(new DataRecord.PromptCompletion("f", 1, "2+2=", "4"));
    // the prompt with its BOS, the completion without one, then EOS
    assertArrayEquals(new int[] {BOS, id('2'), id('+'), id('2'), id('='), id('4'), EOS}, e.ids());
    assertArrayEquals(new boolean[] {false, false, false, false, false, true, true}, e.scored());
  }

  @Test
  void aConversationScoresTheAssistantReplyAndItsEndOfTurnOnly() throws DataFileException {
    DataRecord.Conversation c = new DataRecord.Conversation("f", 1, List.of(new ChatMessage("system", "S"),
        new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Yo")));
    TokenizedExample e = ENCODER.encode(c);
    String rendered = "<system>S|\n<user>Hi|\n<assistant>Yo|\n";
    // rendered text tokenized without special tokens: the template owns the BOS
    assertArrayEquals(ids(rendered), e.ids());
    assertEquals("Yo|\n", scoredText(e));
    int replyStart = rendered.indexOf("Yo");
    for (int i = 0; i < e.length(); i++) assertEquals(i >= replyStart, e.scored()[i], "token " + i);
  }

  @Test
  void everyAssistantTurnOfAMultiTurnConversationIsScored() throws DataFileException {
    DataRecord.Conversation c = new DataRecord.Conversation("f", 1, List.of(new ChatMessage("user", "A?"),
        new ChatMessage("assistant", "B."), new ChatMessage("user", "C?"), new ChatMessage("assistant", "D.")));
    TokenizedExample e = ENCODER.encode(c);
    assertEquals("B.|\nD.|\n", scoredText(e));
    assertEquals(8, e.scoredCount());
  }

  @Test
  void aTemplateThatRewritesEarlierTurnsIsRefusedWithTheLine() {
    // drops the system prompt once the conversation ends with a reply: the prefix no longer matches
    ChatRenderer rewriting = (messages, addGenerationPrompt) -> {
      boolean answered = !messages.isEmpty() && messages.getLast().isAssistant();
      StringBuilder s = new StringBuilder();
      for (ChatMessage m : messages) {
        if (answered && m.role().equals("system")) continue;
        s.append('<').append(m.role()).append('>').append(m.content()).append("|\n");
      }
      if (addGenerationPrompt) s.append("<assistant>");
      return s.toString();
    };
    ExampleEncoder encoder = new ExampleEncoder(new FakeTokenizer(), rewriting);
    DataRecord.Conversation c = new DataRecord.Conversation("chat.jsonl", 12, List.of(new ChatMessage("system", "S"),
        new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Yo")));
    DataFileException e = assertThrows(DataFileException.class, () -> encoder.encode(c));
    assertEquals(12, e.line());
    assertTrue(e.getMessage().startsWith("chat.jsonl line 12: cannot find which tokens are the assistant's: the chat "
        + "template's tokens for the conversation before assistant message 3"), e.getMessage());
  }

  @Test
  void messagesWithoutAChatTemplateAreRefusedWithTheLine() {
    ExampleEncoder noTemplate = new ExampleEncoder(new FakeTokenizer(), null);
    DataRecord.Conversation c = new DataRecord.Conversation("chat.jsonl", 3, List.of(new ChatMessage("user", "Hi"),
        new ChatMessage("assistant", "Yo")));
    DataFileException e = assertThrows(DataFileException.class, () -> noTemplate.encode(c));
    assertTrue(e.getMessage().startsWith("chat.jsonl line 3: a \"messages\" record needs the model's chat template"),
        e.getMessage());
  }

  @Test
  void encodesTheResourceFilesEndToEnd() throws Exception {
    List<TokenizedExample> chat = ENCODER.encodeAll(JsonlReader.read(PlainTextReaderTest.resource("chat.jsonl")));
    assertEquals("Hello.|\n", scoredText(chat.get(0)));
    List<TokenizedExample> pc = ENCODER.encodeAll(JsonlReader.read(PlainTextReaderTest.resource("prompt-completion.jsonl")));
    assertEquals("7</s>", scoredText(pc.get(1)));
  }
}
