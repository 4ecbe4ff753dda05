package org.netstack4j.wire;

import org.netstack4j.wire.DnsMessage.Message;
import org.netstack4j.wire.DnsMessage.Question;
import org.netstack4j.wire.DnsMessage.ResourceRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded random DNS messages for round trips and as seeds for mutation. */
final class DnsFuzz {
    private static final String[] WORDS = {"www", "mail", "example", "com", "org", "test", "a", "csail", "MiT", "edu"};

    private DnsFuzz() {
    }

    /** A name drawn from a small vocabulary (so compression happens) or made of arbitrary bytes. */
    static String randomName(SplittableRandom rnd) {
        int labels = rnd.nextInt(0, 5);
        if (labels == 0) {
            return ".";
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < labels; i++) {
            if (i > 0) {
                text.append('.');
            }
            if (rnd.nextInt(4) == 0) {
                byte[] raw = new byte[rnd.nextInt(1, 64)];
                rnd.nextBytes(raw);
                DnsNames.appendLabel(text, raw, 0, raw.length);
            } else {
                text.append(WORDS[rnd.nextInt(WORDS.length)]);
            }
        }
        return text.toString();
    }

    static ResourceRecord randomRecord(SplittableRandom rnd, List<String> names) {
        String owner = rnd.nextBoolean() && !names.isEmpty() ? names.get(rnd.nextInt(names.size())) : randomName(rnd);
        long ttl = rnd.nextLong(0, 1L << 32);
        return switch (rnd.nextInt(5)) {
            case 0 -> ResourceRecord.a(owner, ttl, rnd.nextInt());
            case 1 -> ResourceRecord.cname(owner, ttl, rnd.nextBoolean() && !names.isEmpty() ? names.get(rnd.nextInt(names.size())) : randomName(rnd));
            case 2 -> new ResourceRecord(owner, DnsMessage.TYPE_NS, DnsMessage.CLASS_IN, ttl, DnsMessage.encodeName(randomName(rnd)));
            case 3 -> new ResourceRecord(owner, DnsMessage.TYPE_AAAA, DnsMessage.CLASS_IN, ttl, bytes(rnd, 16));
            default -> new ResourceRecord(owner, DnsMessage.TYPE_TXT, rnd.nextInt(0x10000), ttl, bytes(rnd, rnd.nextInt(0, 40)));
        };
    }

    static Message randomMessage(SplittableRandom rnd) {
        List<String> names = new ArrayList<>();
        List<Question> questions = new ArrayList<>();
        for (int i = rnd.nextInt(0, 3); i > 0; i--) {
            String name = randomName(rnd);
            names.add(name);
            questions.add(new Question(name, rnd.nextInt(0x10000), rnd.nextInt(0x10000)));
        }
        List<List<ResourceRecord>> sections = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            List<ResourceRecord> records = new ArrayList<>();
            for (int i = rnd.nextInt(0, 4); i > 0; i--) {
                ResourceRecord r = randomRecord(rnd, names);
                names.add(r.name());
                records.add(r);
            }
            sections.add(records);
        }
        return new Message(rnd.nextInt(0x10000), rnd.nextBoolean(), rnd.nextInt(16), rnd.nextBoolean(), rnd.nextBoolean(),
                rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextInt(16), questions, sections.get(0), sections.get(1), sections.get(2));
    }

    private static byte[] bytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
