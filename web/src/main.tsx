// First, before React and the rest are evaluated: the first requests start now (see boot.ts).
import './boot.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { applyTheme } from './theme.js';
import './styles/base.css';
import './styles/overlays.css';
import './styles/sidebar.css';
import './styles/composer.css';
import './styles/chat.css';
import './styles/messages.css';
import './styles/markdown.css';
import './styles/cards.css';
import './styles/panels.css';
import './styles/admin.css';

applyTheme();
const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
